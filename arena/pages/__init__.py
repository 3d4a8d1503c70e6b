"""Pages that compose many areas (the profile page, an organisation's page, a field of
expertise's page): they stand above the areas they show, which never import them."""
