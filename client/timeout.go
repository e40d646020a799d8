package client

import "time"

// DefaultTimeout bounds one operation, retries included: a search, a
// block fetch, a FUSE call. It is the one default of cssfs's --op-timeout;
// every layer that needs a deadline of its own starts from it.
const DefaultTimeout = 2 * time.Minute
