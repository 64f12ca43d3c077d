x = 0.5
y = -1.25
s = sigmoid(x) * log(x + 2) + sqrt(x * x + 1) - abs(y)
t = sin(x) * cos(y) + exp(-x) / (1 + tanh(y))
out = s * t + relu(y) - relu(x)