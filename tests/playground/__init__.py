"""Tests of actlab.playground: state, data, model, session, server, CLI and the page."""
