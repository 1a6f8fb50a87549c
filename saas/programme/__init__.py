"""The culture programme: phases, themes with sponsors and supporters, self-selected teams."""
