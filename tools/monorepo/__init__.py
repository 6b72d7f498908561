"""The repository's own machinery: which packages it holds, what a change touches,
releases, and the probes the noxfile uses to say what a machine can run.

Standard library only, so the noxfile can import it before any session venv exists.
"""
