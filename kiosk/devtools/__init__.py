"""Development tools: the demo launcher, the dev panel and the demo's simulated resident side."""
