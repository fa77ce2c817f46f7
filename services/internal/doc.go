// Package internal is the root of the runtime the docflow services share:
// configuration, logging, errors, NATS, object storage, SQL, health, the
// service runtime that opens them and shuts them down (package service), and
// the test kit that starts the real servers for tests. Only the services can
// import it; the api and workflows modules cannot.
package internal
