package client

// Object states (reference §7.2). Only AVAILABLE objects can be downloaded.
const (
	StatePending   = "PENDING"
	StateAvailable = "AVAILABLE"
	StateArchived  = "ARCHIVED"
	StateRevoked   = "REVOKED"
	StateDeleted   = "DELETED"
	StateFailed    = "FAILED"
)

// Available reports whether the object's content can be downloaded.
func (o Object) Available() bool { return o.ObjectState == StateAvailable }
