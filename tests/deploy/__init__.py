"""The deployment manifests under deploy/k8s, rendered and validated offline."""
