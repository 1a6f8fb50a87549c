"""Strategy into behaviour: pillars, mutual expectations, action plans, knowledge day (issue 9)"""
