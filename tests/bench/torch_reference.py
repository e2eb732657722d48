#!/usr/bin/python3
"""Reference timings on PyTorch's CPU build, for side-by-side comparison with `npm run bench`.

Builds the reference networks as shared/fixtures/torch-ref/README.md describes them
(unet_256 + basic PatchGAN with batch norm for pix2pix; 2 x resnet_9blocks + 2 x basic
PatchGAN with instance norm for CycleGAN; full size, ngf = ndf = 64) and times the
reference's training iteration (forward, D step, G step, Adam) and inference.
Prints one JSON line per case with the same fields as `npm run bench`.

Not part of the app: it needs Debian's python3-torch (and libopenblas0-pthread for a fair
BLAS). Usage: /usr/bin/python3 tests/bench/torch_reference.py [--case NAME] [--runs 5] [--threads 2] [--list]
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn


def norm_layer(kind):
    if kind == "batch":
        return lambda c: nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    return lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)


class UnetBlock(nn.Module):
    def __init__(self, outer_nc, inner_nc, input_nc=None, sub=None, outermost=False, innermost=False, norm="batch",
                 use_dropout=False):
        super().__init__()
        self.outermost = outermost
        use_bias = norm == "instance"
        nl = norm_layer(norm)
        input_nc = outer_nc if input_nc is None else input_nc
        down = nn.Conv2d(input_nc, inner_nc, 4, 2, 1, bias=use_bias)
        if outermost:
            up = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1)
            layers = [down, sub, nn.ReLU(True), up, nn.Tanh()]
        elif innermost:
            up = nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1, bias=use_bias)
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), up, nl(outer_nc)]
        else:
            up = nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1, bias=use_bias)
            layers = [nn.LeakyReLU(0.2, True), down, nl(inner_nc), sub, nn.ReLU(True), up, nl(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet(input_nc, output_nc, num_downs, ngf, norm, use_dropout=False):
    b = UnetBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
    for _ in range(num_downs - 5):
        b = UnetBlock(ngf * 8, ngf * 8, sub=b, norm=norm, use_dropout=use_dropout)
    b = UnetBlock(ngf * 4, ngf * 8, sub=b, norm=norm)
    b = UnetBlock(ngf * 2, ngf * 4, sub=b, norm=norm)
    b = UnetBlock(ngf, ngf * 2, sub=b, norm=norm)
    return UnetBlock(output_nc, ngf, input_nc=input_nc, sub=b, outermost=True, norm=norm)


class ResBlock(nn.Module):
    def __init__(self, c, norm):
        super().__init__()
        nl = norm_layer(norm)
        b = norm == "instance"
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=b), nl(c), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=b), nl(c))

    def forward(self, x):
        return x + self.conv_block(x)


def resnet(input_nc, output_nc, ngf, n_blocks, norm):
    nl = norm_layer(norm)
    b = norm == "instance"
    m = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=b), nl(ngf), nn.ReLU(True)]
    for i in range(2):
        c = ngf * 2 ** i
        m += [nn.Conv2d(c, c * 2, 3, 2, 1, bias=b), nl(c * 2), nn.ReLU(True)]
    m += [ResBlock(ngf * 4, norm) for _ in range(n_blocks)]
    for i in range(2):
        c = ngf * 2 ** (2 - i)
        m += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=b), nl(c // 2), nn.ReLU(True)]
    m += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
    return nn.Sequential(*m)


def patch_d(input_nc, ndf, norm, n_layers=3):
    nl = norm_layer(norm)
    b = norm == "instance"
    m = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, n_layers):
        prev, mult = mult, min(2 ** n, 8)
        m += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=b), nl(ndf * mult), nn.LeakyReLU(0.2, True)]
    prev, mult = mult, min(2 ** n_layers, 8)
    m += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=b), nl(ndf * mult), nn.LeakyReLU(0.2, True)]
    m += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
    return nn.Sequential(*m)


def adam(params):
    return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


def pix2pix_iteration():
    # pix2pix trains with dropout unless --no_dropout (the reference's default).
    G, D = unet(3, 3, 8, 64, "batch", use_dropout=True), patch_d(6, 64, "batch")
    oG, oD = adam(G.parameters()), adam(D.parameters())
    bce, l1 = nn.BCEWithLogitsLoss(), nn.L1Loss()
    A, B = torch.rand(1, 3, 256, 256) * 2 - 1, torch.rand(1, 3, 256, 256) * 2 - 1

    def step():
        fake = G(A)
        for p in D.parameters():
            p.requires_grad_(True)
        oD.zero_grad()
        pf = D(torch.cat([A, fake], 1).detach())
        pr = D(torch.cat([A, B], 1))
        ((bce(pf, torch.zeros_like(pf)) + bce(pr, torch.ones_like(pr))) * 0.5).backward()
        oD.step()
        for p in D.parameters():
            p.requires_grad_(False)
        oG.zero_grad()
        pf = D(torch.cat([A, fake], 1))
        (bce(pf, torch.ones_like(pf)) + l1(fake, B) * 100).backward()
        oG.step()
    return step


def cyclegan_iteration():
    GA, GB = resnet(3, 3, 64, 9, "instance"), resnet(3, 3, 64, 9, "instance")
    DA, DB = patch_d(3, 64, "instance"), patch_d(3, 64, "instance")
    oG = adam(list(GA.parameters()) + list(GB.parameters()))
    oD = adam(list(DA.parameters()) + list(DB.parameters()))
    mse, l1 = nn.MSELoss(), nn.L1Loss()
    A, B = torch.rand(1, 3, 256, 256) * 2 - 1, torch.rand(1, 3, 256, 256) * 2 - 1

    def gan(p, real):
        return mse(p, torch.ones_like(p) if real else torch.zeros_like(p))

    def step():
        fB, fA = GA(A), GB(B)
        rA, rB = GB(fB), GA(fA)
        for p in list(DA.parameters()) + list(DB.parameters()):
            p.requires_grad_(False)
        oG.zero_grad()
        loss = (l1(GA(B), B) * 5 + l1(GB(A), A) * 5 + gan(DA(fB), True) + gan(DB(fA), True)
                + l1(rA, A) * 10 + l1(rB, B) * 10)
        loss.backward()
        oG.step()
        for p in list(DA.parameters()) + list(DB.parameters()):
            p.requires_grad_(True)
        oD.zero_grad()
        ((gan(DA(B), True) + gan(DA(fB.detach()), False)) * 0.5).backward()
        ((gan(DB(A), True) + gan(DB(fA.detach()), False)) * 0.5).backward()
        oD.step()
    return step


def inference(net, size, train_mode=False):
    # eval(): BatchNorm with running statistics, dropout off (test.py --eval). train_mode: the
    # reference's default test mode (BatchNorm on the image's statistics, dropout on).
    net.train(train_mode)
    x = torch.rand(1, 3, size, size) * 2 - 1

    def step():
        with torch.no_grad():
            net(x)
    return step


CASES = {
    "pix2pix_train": pix2pix_iteration,
    "cyclegan_train": cyclegan_iteration,
    "infer_unet256_256": lambda: inference(unet(3, 3, 8, 64, "batch"), 256),
    "infer_resnet9_256": lambda: inference(resnet(3, 3, 64, 9, "instance"), 256),
    "infer_resnet9_512": lambda: inference(resnet(3, 3, 64, 9, "instance"), 512),
    "infer_resnet9_1024": lambda: inference(resnet(3, 3, 64, 9, "instance"), 1024),
    "infer_preview_256": lambda: inference(unet(3, 3, 8, 64, "batch", use_dropout=True), 256, train_mode=True),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--list", action="store_true", help="print the case names as one JSON line")
    args = ap.parse_args()
    if args.list:
        print(json.dumps({"cases": list(CASES)}))
        return
    unknown = [n for n in args.case or [] if n not in CASES]
    if unknown:
        ap.error("unknown case(s) %s (known: %s)" % (", ".join(unknown), ", ".join(CASES)))
    names = args.case or list(CASES)
    if len(names) > 1:
        # One process per case, so that peak memory is each case's own.
        import subprocess
        import sys
        for name in names:
            subprocess.run([sys.executable, __file__, "--case", name, "--runs", str(args.runs),
                            "--threads", str(args.threads)], check=True)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name in names:
        step = CASES[name]()
        step()  # warm-up
        times, cpu = [], []
        for _ in range(args.runs):
            c0 = time.process_time()
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # cpu_ms: process CPU time per run, all threads (OpenMP's spin-waits included).
        print(json.dumps({"case": name, "backend": "pytorch-" + torch.__version__, "threads": args.threads,
                          "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
                          "max_ms": round(max(times), 1), "peak_rss_mib": round(peak, 1), "runs": args.runs,
                          "cpu_ms": round(statistics.median(cpu), 1)}), flush=True)


if __name__ == "__main__":
    main()
