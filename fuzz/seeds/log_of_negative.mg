x = -1.0
y = log(x)