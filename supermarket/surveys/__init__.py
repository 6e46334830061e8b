"""The food-insecurity survey: the USDA adult module, its scoring and when it is due."""
