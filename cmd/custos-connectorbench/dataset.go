package main

// benchKey keys the engine's keyed hashes and random values.
var benchKey = []byte("custos-connectorbench key, 32 B!")
