"""Small shared pieces with no models: bulk writes, API plumbing, domain errors."""
