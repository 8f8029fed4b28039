//! Sans-I/O protocol core.
