"""(entries being written)"""
