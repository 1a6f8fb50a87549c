"""Anonymised culture reports for the works council (issue 7)"""
