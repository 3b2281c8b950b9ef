// Package matching holds kipina's pure algorithms: text matching of applications to targets, jury assignment, score normalisation and meeting scheduling. No I/O, no clock.
package matching
