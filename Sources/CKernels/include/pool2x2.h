#ifndef DEEPDREAM_POOL2X2_H
#define DEEPDREAM_POOL2X2_H

// Backward of 2x2 max-pooling, stride 2, floor semantics, for one channel in the padded layout of
// winograd.h (input and input_gradient height x width, gradient height/2 x width/2). Each output
// gradient goes to the first maximum of its window in row-major order, as PyTorch does; every window is
// written whole, and the odd last row and column that no window covers are cleared. With through_relu
// (the input is a ReLU's output), a window whose maximum is not positive passes nothing.
void dd_pool2x2_backward(const float *input, const float *gradient, float *input_gradient, int height, int width,
                         int through_relu);

#endif
