"""ccsim: a discrete-event contact-centre simulator with Erlang yardsticks."""

__version__ = "0.1.0"
