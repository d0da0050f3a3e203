# The upscale benchmark's other side: the same networks (the torch reference of sd/src/test/resources/upscalers,
# written from the published architectures) with the same safetensors weights, timed the same way.
#   python3 bench/upscale_torch.py DIR size threads runs
import json, os, struct, sys, time
sys.path = [p for p in sys.path if 'local' not in p and 'pyenv' not in p]
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'sd', 'src', 'test', 'resources', 'upscalers'))
import torch
from make_fixtures import RRDBNet, SRVGG

def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == '__metadata__': continue
        a, b = v['data_offsets']
        dtype = {'F16': torch.float16, 'F32': torch.float32}[v['dtype']]
        out[k] = torch.frombuffer(bytearray(data[a:b]), dtype=dtype).reshape(v['shape']).float()
    return out

folder, size, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
x = torch.rand(1, 3, size, size)
print('torch %s, %d threads' % (torch.__version__, threads))
for name, net in (('compact-x4-synth.safetensors', SRVGG(64, 32, 4)), ('realesrgan-x4-synth.safetensors', RRDBNet(4, 64, 23, 32))):
    net.load_state_dict(read_safetensors(os.path.join(folder, name)))
    net.eval()
    seconds = []
    with torch.no_grad():
        for _ in range(runs):
            t = time.perf_counter(); y = net(x); seconds.append(time.perf_counter() - t)
    median = sorted(seconds)[runs // 2]
    print('%-34s %7.2f s/image   %6.3f MPix/s out' % (name, median, y.shape[2] * y.shape[3] / 1e6 / median))
