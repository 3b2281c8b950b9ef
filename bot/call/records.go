// Package call is the call → application flow: organisers create events
// with challenges and open calls; companies apply through a form, edit and
// withdraw; organisers read and manage the applications. The records
// themselves, their states and invariants are package round's.
package call
