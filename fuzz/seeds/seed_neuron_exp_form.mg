# the same neuron, tanh written with exp
x1 = 2.0
x2 = 0.0
w1 = -3.0
w2 = 1.0
b = 6.8813735870195432
n = x1*w1 + x2*w2 + b
e = exp(2*n)
o = (e - 1) / (e + 1)