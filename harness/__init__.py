"""What tests, e2e, bench and scripts share: servers, subprocesses, private backing services."""
