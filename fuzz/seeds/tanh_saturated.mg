# stable at large inputs: no overflow
x = 1000.0
y = -1000.0
t = tanh(x) + tanh(y)
s = sigmoid(x) + sigmoid(y)
out = t * s