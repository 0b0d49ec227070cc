package main

// extraCases are the questions with flags of their own (outcomes, compare, trend).
func extraCases() []sqlCase { return nil }
