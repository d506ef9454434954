// Package langs is calibkit's table of the Wikipedia languages it supports:
// for each code, how its sentences are cut, which script its lines must be
// written in, whether a language identifier checks Latin-script lines, and
// the headings of the end matter (references, notes, see also, external
// links) its Wikipedia articles close with.
package langs
