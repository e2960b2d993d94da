"""Jobs: the only place that reads inputs, runs the stages and writes outputs."""
