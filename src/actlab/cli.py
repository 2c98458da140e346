"""actlab's command line (placeholder until the CLI lands in this change)."""
def main():
    raise SystemExit("actlab CLI: not yet built")
