"""(routes to come)"""
