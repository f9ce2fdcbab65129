"""Users, roles, supervisor scopes, API tokens, login and logout."""
