"""Light visual meshes for headless rendering: a URDF variant whose visual meshes are simplified.

TinyRenderer's cost per frame grows with the triangles it draws, not with the image size: the Panda's
visual meshes (about 100,000 textured triangles) cost about 20 ms per frame at any resolution, the
rest of a scene about 1 ms. :func:`light_urdf` writes, once per machine, a copy of a URDF whose visual
meshes are replaced by simplified ones: vertex clustering on a ``cell``-sized grid, done separately for
each colour (the texture is sampled once per triangle and baked into plain material colours), so the
dark trims and joints stay where they were. Collision geometry, inertia and joints are the original
file's, untouched: only what a camera sees changes, never the physics.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np

CELL = 0.01  # metres: under one pixel of the default 84x84 camera at the robot (about 1.3 cm)
VERSION = 1  # bump when the simplification changes, so that cached files are rebuilt


def light_urdf(path: str | os.PathLike, cell: float = CELL) -> str:
    """The path of a copy of URDF ``path`` with simplified visual meshes (built on first use, then cached)."""
    source = Path(path)
    text = source.read_text()
    key = hashlib.sha256(f"{VERSION}:{cell}:{source.resolve()}:{text}".encode()).hexdigest()[:16]
    folder = _cache_dir() / f"{source.stem}-{key}"
    target = folder / source.name
    if target.exists():
        return str(target)
    folder.mkdir(parents=True, exist_ok=True)
    tree = ElementTree.ElementTree(ElementTree.fromstring(text))
    for link in tree.getroot().iter("link"):
        for kind in ("visual", "collision"):
            for mesh in link.findall(f"{kind}/geometry/mesh"):
                original = _resolve(source.parent, mesh.get("filename", ""))
                if kind == "visual":
                    simple = folder / f"{link.get('name')}_{original.stem}.obj"
                    if not simple.exists():
                        obj, mtl, palette = simplify_obj(original, cell, simple.stem)
                        _write_png(simple.with_suffix(".png"), palette)
                        _write_atomic(simple.with_suffix(".mtl"), mtl)
                        _write_atomic(simple, obj)
                    mesh.set("filename", str(simple))
                else:  # the very same collision file, only addressed by its absolute path
                    mesh.set("filename", str(original))
    _write_atomic(target, ElementTree.tostring(tree.getroot(), encoding="unicode"))
    return str(target)


def simplify_obj(path: Path, cell: float, stem: str) -> tuple[str, str, np.ndarray]:
    """(OBJ text, MTL text, palette image) of the mesh at ``path`` simplified by per-colour vertex clustering.

    PyBullet's TinyRenderer draws one material per mesh file, so the colours are baked into a small
    palette texture (``{stem}.png``, one texel per colour) that every vertex addresses by its UV.
    """
    vertices, uvs, faces, face_uvs, face_materials, materials = _read_obj(path)
    colors = _face_colors(path.parent, uvs, face_uvs, face_materials, materials)
    # Few distinct colours: quantise so that texture noise does not split a part into many groups.
    palette, group = np.unique(np.round(colors * 8) / 8, axis=0, return_inverse=True)
    group = group.ravel()
    texels = np.zeros((1, len(palette), 3), dtype=np.uint8)
    lines = [f"# palaestra light visual mesh of {path.name} (vertex clustering, cell {cell} m)",
             f"mtllib {stem}.mtl", "usemtl palette"]
    offset = 1
    for g in range(len(palette)):
        texels[0, g] = np.round(colors[group == g].mean(axis=0) * 255)
        tri, verts, normals = _cluster(vertices, faces[group == g], cell)
        if len(tri) == 0:
            continue
        lines.append(f"vt {(g + 0.5) / len(palette):.6f} 0.5")
        lines += [f"v {x:.5f} {y:.5f} {z:.5f}" for x, y, z in verts]
        lines += [f"vn {x:.4f} {y:.4f} {z:.4f}" for x, y, z in normals]
        t = len([line for line in lines if line.startswith("vt ")])
        lines += [f"f {a}/{t}/{a} {b}/{t}/{b} {c}/{t}/{c}" for a, b, c in (tri + offset)]
        offset += len(verts)
    material = f"newmtl palette\nKd 1.0 1.0 1.0\nmap_Kd {stem}.png\n"
    return "\n".join(lines) + "\n", material, texels


def _cluster(vertices: np.ndarray, faces: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge the vertices of ``faces`` that share a grid cell; drop triangles that collapse."""
    used, local = np.unique(faces, return_inverse=True)
    local = local.reshape(faces.shape)
    cells, cluster = np.unique(np.floor(vertices[used] / cell).astype(np.int64), axis=0, return_inverse=True)
    cluster = cluster.ravel()
    counts = np.bincount(cluster, minlength=len(cells))[:, None]
    merged = np.zeros((len(cells), 3))
    np.add.at(merged, cluster, vertices[used])
    merged /= counts
    tri = cluster[local]
    tri = tri[(tri[:, 0] != tri[:, 1]) & (tri[:, 1] != tri[:, 2]) & (tri[:, 0] != tri[:, 2])]
    tri = np.unique(tri, axis=0)
    # Smooth normals: area-weighted face normals summed at each vertex.
    face_normals = np.cross(merged[tri[:, 1]] - merged[tri[:, 0]], merged[tri[:, 2]] - merged[tri[:, 0]])
    normals = np.zeros_like(merged)
    for k in range(3):
        np.add.at(normals, tri[:, k], face_normals)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    return tri, merged, normals


def _read_obj(path: Path):
    vertices, uvs, faces, face_uvs, face_materials, materials = [], [], [], [], [], {}
    material = ""
    for line in path.read_text().splitlines():
        head, _, rest = line.partition(" ")
        if head == "v":
            vertices.append([float(x) for x in rest.split()[:3]])
        elif head == "vt":
            uvs.append([float(x) for x in rest.split()[:2]])
        elif head == "usemtl":
            material = rest.strip()
        elif head == "mtllib":
            materials.update(_read_mtl(path.parent / rest.strip()))
        elif head == "f":
            corners = [c.split("/") for c in rest.split()]
            for i in range(1, len(corners) - 1):  # fan-triangulate polygons
                tri = (corners[0], corners[i], corners[i + 1])
                faces.append([int(c[0]) - 1 for c in tri])
                face_uvs.append([int(c[1]) - 1 if len(c) > 1 and c[1] else -1 for c in tri])
                face_materials.append(material)
    return (np.array(vertices), np.array(uvs).reshape(-1, 2), np.array(faces), np.array(face_uvs),
            face_materials, materials)


def _read_mtl(path: Path) -> dict[str, tuple[np.ndarray, str | None]]:
    materials: dict[str, tuple[np.ndarray, str | None]] = {}
    name = None
    for line in path.read_text().splitlines() if path.exists() else ():
        head, _, rest = line.strip().partition(" ")
        if head == "newmtl":
            name = rest.strip()
            materials[name] = (np.ones(3), None)
        elif head == "Kd" and name:
            materials[name] = (np.array([float(x) for x in rest.split()[:3]]), materials[name][1])
        elif head == "map_Kd" and name:
            materials[name] = (materials[name][0], rest.strip())
    return materials


def _face_colors(folder: Path, uvs, face_uvs, face_materials, materials) -> np.ndarray:
    """Each triangle's colour as TinyRenderer draws it: the texture at the triangle's mean UV, else the
    material's diffuse colour."""
    colors = np.ones((len(face_materials), 3))
    textures: dict[str, np.ndarray] = {}
    for name in set(face_materials):
        diffuse, texture = materials.get(name, (np.ones(3), None))
        rows = np.array([m == name for m in face_materials])
        colors[rows] = diffuse
        if texture is None or len(uvs) == 0:
            continue
        if texture not in textures:
            textures[texture] = _read_png(folder / texture)
        image = textures[texture]
        corners = face_uvs[rows]
        valid = (corners >= 0).all(axis=1)
        uv = uvs[corners[valid]].mean(axis=1) % 1.0
        h, w = image.shape[:2]
        px = np.minimum((uv[:, 0] * w).astype(int), w - 1)
        py = np.minimum(((1.0 - uv[:, 1]) * h).astype(int), h - 1)  # OBJ's v axis points up
        idx = np.flatnonzero(rows)[valid]
        colors[idx] = image[py, px, :3] / 255.0  # TinyRenderer ignores Kd where there is a texture
    return colors


def _read_png(path: Path) -> np.ndarray:
    _pygame()
    import pygame  # a core dependency; reads and writes PNG without a display

    surface = pygame.image.load(str(path))
    return pygame.surfarray.array3d(surface).transpose(1, 0, 2)


def _write_png(target: Path, image: np.ndarray) -> None:
    _pygame()
    import pygame

    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".png")
    os.close(handle)
    pygame.image.save(pygame.surfarray.make_surface(image.transpose(1, 0, 2)), temporary)
    os.replace(temporary, target)


def _pygame() -> None:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def _resolve(base: Path, filename: str) -> Path:
    if filename.startswith("package://"):
        filename = filename[len("package://"):]
    return (base / filename).resolve()


def _cache_dir() -> Path:
    root = os.environ.get("PALAESTRA_CACHE") or os.path.join(tempfile.gettempdir(), f"palaestra-{getattr(os, 'getuid', lambda: 'user')()}")
    return Path(root) / "meshes"


def _write_atomic(target: Path, content: str) -> None:
    """Write through a temporary file and a rename, so that concurrent processes never read half a file."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(handle, "w") as file:
        file.write(content)
    os.replace(temporary, target)
