# GELU's kernels on this CPU, one intra-op thread: is e5's 10 % in Gelu (onnxruntime's profile, 2026-12-03-gate-band.md)
# something a cheaper formula would buy back? Times one [600, 1536] activation (about 32 headlines' feed-forward
# layer) through ONNX Gelu, com.microsoft Gelu, the tanh approximation (both spellings) and QuickGelu (x * sigmoid(1.702 x)),
# round by round, with each one's largest difference from the exact (erf) Gelu.
# Run: training/.venv/bin/python training/experiments/2026-12-03-gelu-kernels.py
import numpy as np, onnxruntime as ort, time, onnx
from onnx import helper, TensorProto
def graph(op, domain, attrs={}):
    x = helper.make_tensor_value_info('x', TensorProto.FLOAT, ['n', 1536])
    y = helper.make_tensor_value_info('y', TensorProto.FLOAT, ['n', 1536])
    node = helper.make_node(op, ['x'], ['y'], domain=domain, **attrs)
    g = helper.make_graph([node], 'g', [x], [y])
    m = helper.make_model(g, ir_version=10, opset_imports=[helper.make_opsetid('', 20), helper.make_opsetid('com.microsoft', 1)])
    so = ort.SessionOptions(); so.intra_op_num_threads = 1
    return ort.InferenceSession(m.SerializeToString(), so, providers=['CPUExecutionProvider'])
rng = np.random.default_rng(0)
x = rng.standard_normal((600, 1536)).astype(np.float32) * 2
sess = {'Gelu(onnx20)': graph('Gelu', ''), 'Gelu(ms)': graph('Gelu', 'com.microsoft'), 'Gelu tanh (onnx20)': graph('Gelu', '', {'approximate': 'tanh'}), 'FastGelu': graph('FastGelu', 'com.microsoft'), 'QuickGelu': graph('QuickGelu', 'com.microsoft', {'alpha': 1.702})}
ref = sess['Gelu(ms)'].run(None, {'x': x})[0]
for r in range(3):
    for k, s in sess.items():
        t = time.perf_counter()
        for _ in range(200): y = s.run(None, {'x': x})[0]
        dt = (time.perf_counter() - t) / 200
        print(r, k, f'{dt*1e6:.0f} us', 'maxdiff', float(np.abs(y - ref).max()))
