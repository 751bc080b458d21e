"""Contracts and the orders that create and change them."""
