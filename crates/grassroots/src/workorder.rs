//! 12345 work orders.
