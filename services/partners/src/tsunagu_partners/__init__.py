"""Tsunagu partners: partner organisations and their agreements, local resources, the municipal
network, referrals and the public directory."""
