"""Run the whole API on 127.0.0.1 without Docker or AWS, from the same template.yaml `sam deploy` uses."""
