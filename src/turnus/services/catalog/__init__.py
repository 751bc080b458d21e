"""Catalog use cases: products, plans, plan variants, components, price versions, coupons."""
