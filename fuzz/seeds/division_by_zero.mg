x = 0.0
y = 1.0
z = y / x