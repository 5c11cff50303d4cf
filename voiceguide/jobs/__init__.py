"""Transcription jobs: the job function, the queue interface and its backends."""
