"""Accounts: login, second factor, own password, users and their roles."""
