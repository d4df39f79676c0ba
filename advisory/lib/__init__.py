"""Presentation helpers shared by pages, PDFs and files: number formats and chart maths."""
