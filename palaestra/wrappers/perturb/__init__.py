"""The perturbation wrappers' implementation; import the public names from :mod:`palaestra.wrappers.perturbations`."""
