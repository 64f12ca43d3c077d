# squared error of two tanh neurons against targets 1 and -1
w = 0.3
b = -0.1
p1 = tanh(w * 2.0 + b)
p2 = tanh(w * -1.0 + b)
loss = (p1 - 1)**2 + (p2 - -1)**2