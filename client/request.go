package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// call describes one logical API operation, repeated by run until it succeeds
// or a final error occurs.
type call struct {
	op, region, id string
	method         string // default GET
	body           []byte // request body, sent again on every attempt
	url            string
	header         http.Header // extra request headers (Accept, Range, ...)
	okStatus       []int       // statuses passed to handle; default {200}
	// handle consumes a response with an ok status. It returns nil, a
	// *retryable, or a final error.
	handle func(resp *http.Response, body io.Reader) error
}

// errStalled is the cancellation cause when the idle watchdog fires.
var errStalled = errors.New("no response bytes within the idle timeout")

// run executes c with retries, backoff, one token refresh on 401, and
// prompt cancellation.
func (c *Client) run(ctx context.Context, cl *call) error {
	start := time.Now()
	refreshed := false
	throttles := 0
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, cl)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("css %s: %w", cl.op, ctx.Err())
		}
		var un *unauthorized
		if errors.As(err, &un) {
			if refreshed {
				return un.err
			}
			refreshed = true
			attempt-- // the refresh-and-retry does not use up an attempt
			c.log.LogAttrs(ctx, slog.LevelInfo, "css token rejected, refreshing",
				slog.String("op", cl.op), slog.String("region", cl.region))
			continue
		}
		var rt *retryable
		if !errors.As(err, &rt) {
			return err
		}
		delay := c.retry.backoff(attempt)
		if rt.throttled {
			// Being throttled says nothing about the request: it does not use
			// up an attempt, only time (MaxElapsed bounds it).
			throttles++
			attempt--
			delay = c.retry.throttleBackoff(throttles)
		} else if attempt >= c.retry.MaxAttempts {
			return rt.err
		}
		remaining := c.retry.MaxElapsed - time.Since(start)
		if rt.hasAfter {
			if rt.retryAfter > remaining {
				return rt.err // the server asks us to wait longer than we may
			}
			delay = min(rt.retryAfter, c.retry.MaxDelay)
		}
		if delay > remaining {
			return rt.err
		}
		c.logRetry(ctx, cl, rt.err, attempt, delay)
		if err := sleepCtx(ctx, delay); err != nil {
			return fmt.Errorf("css %s: %w", cl.op, err)
		}
	}
}

func (c *Client) logRetry(ctx context.Context, cl *call, err error, attempt int, delay time.Duration) {
	c.obs.Retry(cl.op)
	status := 0
	var ae *APIError
	if errors.As(err, &ae) {
		status = ae.Status
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "css retry",
		slog.String("op", cl.op),
		slog.String("region", cl.region),
		slog.String("object", cl.id),
		slog.Int("status", status),
		slog.Int("attempt", attempt),
		slog.Duration("delay", delay),
		slog.String("error", c.scrub.scrub(err.Error())))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attempt performs one HTTP exchange for cl.
func (c *Client) attempt(ctx context.Context, cl *call) error {
	// Paced before anything else, so that the wait uses no idle deadline.
	if err := c.pace.wait(ctx); err != nil {
		return err
	}
	tok, err := c.tokens.token(ctx)
	if err != nil {
		return err
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	wd := newWatchdog(c.idleTimeout, cancel)
	defer wd.stop()

	method, reqBody := cl.method, io.Reader(nil)
	if method == "" {
		method = http.MethodGet
	}
	if cl.body != nil {
		reqBody = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, method, cl.url, reqBody)
	if err != nil {
		return c.apiErr(cl, 0, ErrBadResponse, "building request: "+err.Error())
	}
	for k, v := range cl.header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+tok)

	sent := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.obs.Request(cl.op, 0, time.Since(sent))
		return c.transportErr(actx, cl, err)
	}
	c.obs.Request(cl.op, resp.StatusCode, time.Since(sent))
	defer drainClose(resp.Body)
	body := wd.reader(resp.Body)

	ok := cl.okStatus
	if ok == nil {
		ok = []int{http.StatusOK}
	}
	if slices.Contains(ok, resp.StatusCode) {
		c.pace.answered(false)
		err := cl.handle(resp, body)
		if err != nil && errors.Is(context.Cause(actx), errStalled) && ctx.Err() == nil {
			return &retryable{err: c.apiErr(cl, resp.StatusCode, ErrBadResponse, "body stalled: "+errStalled.Error())}
		}
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	err = c.statusErr(cl, resp, body, tok, resp.Request.URL.Host != req.URL.Host)
	var rt *retryable
	c.pace.answered(errors.As(err, &rt) && rt.throttled)
	return err
}

// statusErr maps a non-ok status to a final, retryable or unauthorized
// error, reading what the body says of itself. fromStore marks an answer
// of the object store a /content redirect led to, not of the API.
func (c *Client) statusErr(cl *call, resp *http.Response, body io.Reader, tok string, fromStore bool) error {
	raw, _ := io.ReadAll(io.LimitReader(body, 4<<10))
	ae := &APIError{Op: cl.op, Region: cl.region, ObjectID: cl.id, Status: resp.StatusCode}
	said := describe(ae, c.scrub, raw, !fromStore) // a store's body may quote the presigned URL: keep none of it
	after, hasAfter := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	switch s := resp.StatusCode; {
	case fromStore && s == http.StatusForbidden:
		// Presigned URLs expire (S3 answers 403): ask /content for a new one.
		ae.Err = ErrForbidden
		ae.detail = "the object store refused the presigned URL; asking for a new one"
		return &retryable{err: ae, hasAfter: true}
	case s == http.StatusUnauthorized && !fromStore:
		c.tokens.invalidate(tok)
		ae.Err = ErrAuth
		if ae.Hint() == "" {
			ae.detail = "token rejected after refresh"
		}
		return &unauthorized{err: ae}
	case s == http.StatusTooManyRequests || said.throttled():
		c.obs.Throttled(cl.op)
		return throttledBy(ae, resp.Header)
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		ae.Err = ErrForbidden
	case s == http.StatusNotFound:
		ae.Err = ErrNotFound
	case s == http.StatusRequestTimeout || s == http.StatusInternalServerError || s == http.StatusBadGateway ||
		s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
		return &retryable{err: ae, retryAfter: after, hasAfter: hasAfter}
	case s >= 200 && s < 300:
		ae.Err = ErrBadResponse
		ae.detail = "unexpected success status"
	}
	return ae
}

// transportErr classifies a failed round trip: cancellation is final, a
// stalled or broken connection is retried, certificate problems are final.
func (c *Client) transportErr(actx context.Context, cl *call, err error) error {
	if errors.Is(context.Cause(actx), errStalled) {
		return &retryable{err: c.apiErr(cl, 0, ErrBadResponse, "no response: "+errStalled.Error())}
	}
	if actx.Err() != nil {
		return actx.Err()
	}
	ae := c.apiErr(cl, 0, nil, "request failed: "+err.Error())
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.Is(err, ErrInsecureURL) || errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return ae
	}
	return &retryable{err: ae}
}

// bodyErr wraps a problem with a response body as a retryable bad response.
func (c *Client) bodyErr(cl *call, status int, detail string) error {
	return &retryable{err: c.apiErr(cl, status, ErrBadResponse, detail)}
}

func (c *Client) apiErr(cl *call, status int, sentinel error, detail string) *APIError {
	return &APIError{Op: cl.op, Region: cl.region, ObjectID: cl.id, Status: status, Err: sentinel, detail: c.scrub.scrub(detail)}
}
