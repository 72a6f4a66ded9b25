"""Applications to the joint meeting: admission, amendment, withdrawal and one-off (一事一批)."""
