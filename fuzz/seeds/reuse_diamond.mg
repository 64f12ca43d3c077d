a = -2.0
b = 3.0
d = a * b
e = a + b
f = d * e