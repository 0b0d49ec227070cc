// Package errs is the leaf package of error codes (see errs.go). It must not import any
// other package of this module.
package errs
