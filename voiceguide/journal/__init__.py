"""The journal's operations: entries, the recordings store, progress, exports."""
