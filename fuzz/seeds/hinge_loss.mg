w1 = 0.4
w2 = -0.7
bias = 0.1
s1 = w1 * 1.5 + w2 * -0.5 + bias
s2 = w1 * -0.3 + w2 * 0.8 + bias
loss = (relu(1 + -1 * s1) + relu(1 + 1 * s2)) * 0.5 + 0.0001 * (w1*w1 + w2*w2 + bias*bias)