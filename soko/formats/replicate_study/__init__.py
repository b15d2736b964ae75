"""The regional assessment on the PISA model: config, demo sample, contract, estimates."""
