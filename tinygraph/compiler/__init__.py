"""From a run signature (fetches, feeds, feed shapes) to the ordered ops a backend runs."""
