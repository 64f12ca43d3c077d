a = 2.5
b = 1.5
c = a ** b
d = c * b ** a