# Reference upscaler networks written from the published architectures (ESRGAN's RRDBNet as basicsr defines it,
# Real-ESRGAN's SRVGGNetCompact), used only to make test fixtures for MystiCanvas's ONNX graphs.
import sys
sys.path = [p for p in sys.path if 'local' not in p and 'pyenv' not in p]
import torch, torch.nn as nn, torch.nn.functional as F

class RDB(nn.Module):
    def __init__(s, nf, gc):
        super().__init__()
        s.conv1 = nn.Conv2d(nf, gc, 3, 1, 1); s.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        s.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1); s.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        s.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)
    def forward(s, x):
        l = lambda t: F.leaky_relu(t, 0.2)
        x1 = l(s.conv1(x)); x2 = l(s.conv2(torch.cat((x, x1), 1))); x3 = l(s.conv3(torch.cat((x, x1, x2), 1)))
        x4 = l(s.conv4(torch.cat((x, x1, x2, x3), 1))); x5 = s.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x

class RRDB(nn.Module):
    def __init__(s, nf, gc):
        super().__init__(); s.rdb1 = RDB(nf, gc); s.rdb2 = RDB(nf, gc); s.rdb3 = RDB(nf, gc)
    def forward(s, x):
        return s.rdb3(s.rdb2(s.rdb1(x))) * 0.2 + x

class RRDBNet(nn.Module):
    """basicsr's layout: always two 2x upsamplings; scale 2 and 1 pixel-unshuffle the input first."""
    def __init__(s, scale, nf, nb, gc):
        super().__init__(); s.scale = scale
        cin = 3 * {4: 1, 2: 4, 1: 16}[scale]
        s.conv_first = nn.Conv2d(cin, nf, 3, 1, 1); s.body = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        s.conv_body = nn.Conv2d(nf, nf, 3, 1, 1); s.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        s.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1); s.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1); s.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)
    def forward(s, x):
        l = lambda t: F.leaky_relu(t, 0.2)
        f = F.pixel_unshuffle(x, {4: 1, 2: 2, 1: 4}[s.scale]) if s.scale != 4 else x
        f = s.conv_first(f); f = f + s.conv_body(s.body(f))
        f = l(s.conv_up1(F.interpolate(f, scale_factor=2, mode='nearest')))
        f = l(s.conv_up2(F.interpolate(f, scale_factor=2, mode='nearest')))
        return s.conv_last(l(s.conv_hr(f)))

class OldEsrgan(nn.Module):
    """The original ESRGAN's Sequential: conv, shortcut(RRDBs + conv), n x (upsample, conv, lrelu), conv, lrelu, conv."""
    def __init__(s, ups, nf, nb, gc):
        super().__init__(); s.ups = ups
        s.first = nn.Conv2d(3, nf, 3, 1, 1); s.blocks = nn.ModuleList([RRDB(nf, gc) for _ in range(nb)])
        s.lr = nn.Conv2d(nf, nf, 3, 1, 1); s.upc = nn.ModuleList([nn.Conv2d(nf, nf, 3, 1, 1) for _ in range(ups)])
        s.hr = nn.Conv2d(nf, nf, 3, 1, 1); s.last = nn.Conv2d(nf, 3, 3, 1, 1)
    def forward(s, x):
        l = lambda t: F.leaky_relu(t, 0.2)
        f = s.first(x); b = f
        for blk in s.blocks: b = blk(b)
        f = f + s.lr(b)
        for c in s.upc: f = l(c(F.interpolate(f, scale_factor=2, mode='nearest')))
        return s.last(l(s.hr(f)))
    def old_state_dict(s):
        out = {}
        def put(name, conv):
            out[name + '.weight'] = conv.weight.detach().clone(); out[name + '.bias'] = conv.bias.detach().clone()
        put('model.0', s.first)
        for i, blk in enumerate(s.blocks):
            for j, rdb in enumerate((blk.rdb1, blk.rdb2, blk.rdb3)):
                for k in range(1, 6):
                    put('model.1.sub.%d.RDB%d.conv%d.0' % (i, j + 1, k), getattr(rdb, 'conv%d' % k))
        put('model.1.sub.%d' % len(s.blocks), s.lr)
        for k, c in enumerate(s.upc): put('model.%d' % (3 * (k + 1)), c)
        put('model.%d' % (3 * s.ups + 2), s.hr); put('model.%d' % (3 * s.ups + 4), s.last)
        return out

class SRVGG(nn.Module):
    def __init__(s, nf, nconv, up):
        super().__init__(); s.up = up
        body = [nn.Conv2d(3, nf, 3, 1, 1), nn.PReLU(nf)]
        for _ in range(nconv): body += [nn.Conv2d(nf, nf, 3, 1, 1), nn.PReLU(nf)]
        body += [nn.Conv2d(nf, 3 * up * up, 3, 1, 1)]
        s.body = nn.ModuleList(body)
        for m in s.body:
            if isinstance(m, nn.PReLU): nn.init.uniform_(m.weight, -0.5, 0.5)
    def forward(s, x):
        o = x
        for m in s.body: o = m(o)
        return F.pixel_shuffle(o, s.up) + F.interpolate(x, scale_factor=s.up, mode='nearest')

if __name__ == '__main__':  # python3 make_fixtures.py OUT_DIR (bench/upscale_torch.py imports the networks)
    torch.manual_seed(1234)
    out_dir = sys.argv[1]
    x = torch.rand(1, 3, 12, 20)
    cases = {'input': x}
    with torch.no_grad():
        for scale in (4, 2, 1):
            m = RRDBNet(scale, 8, 2, 4).eval()
            torch.save({'params_ema': m.state_dict()}, '%s/rrdb-x%d.pth' % (out_dir, scale))
            cases['rrdb-x%d' % scale] = m(x)
        for ups in (2, 1):
            m = OldEsrgan(ups, 8, 2, 4).eval()
            torch.save(m.old_state_dict(), '%s/esrgan-old-x%d.pth' % (out_dir, 2 ** ups))
            cases['esrgan-old-x%d' % 2 ** ups] = m(x)
        m = SRVGG(8, 3, 4).eval()
        torch.save({'params': m.state_dict()}, '%s/compact-x4.pth' % out_dir)
        cases['compact-x4'] = m(x)
    torch.save(cases, '%s/expected.pth' % out_dir)
    for k, v in cases.items(): print(k, tuple(v.shape), float(v.abs().max()))
